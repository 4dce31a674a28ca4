module "a" {
  source = "../m3"
}

module "b" {
  source = "../m3"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
