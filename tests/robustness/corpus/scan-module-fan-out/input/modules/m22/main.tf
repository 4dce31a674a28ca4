module "a" {
  source = "../m23"
}

module "b" {
  source = "../m23"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
