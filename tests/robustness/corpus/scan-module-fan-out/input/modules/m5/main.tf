module "a" {
  source = "../m6"
}

module "b" {
  source = "../m6"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
