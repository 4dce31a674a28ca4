module "a" {
  source = "../m20"
}

module "b" {
  source = "../m20"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
