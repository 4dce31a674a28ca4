module "a" {
  source = "../m8"
}

module "b" {
  source = "../m8"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
