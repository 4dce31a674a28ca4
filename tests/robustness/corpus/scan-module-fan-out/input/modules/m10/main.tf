module "a" {
  source = "../m11"
}

module "b" {
  source = "../m11"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
