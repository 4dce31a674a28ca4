module "a" {
  source = "../m22"
}

module "b" {
  source = "../m22"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
