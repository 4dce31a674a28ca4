module "a" {
  source = "../m5"
}

module "b" {
  source = "../m5"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
