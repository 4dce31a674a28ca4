module "a" {
  source = "../m16"
}

module "b" {
  source = "../m16"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
