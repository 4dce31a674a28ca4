module "a" {
  source = "../m14"
}

module "b" {
  source = "../m14"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
