module "a" {
  source = "../m10"
}

module "b" {
  source = "../m10"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
