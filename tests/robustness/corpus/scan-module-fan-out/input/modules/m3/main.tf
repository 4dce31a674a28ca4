module "a" {
  source = "../m4"
}

module "b" {
  source = "../m4"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
