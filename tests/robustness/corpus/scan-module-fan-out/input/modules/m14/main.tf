module "a" {
  source = "../m15"
}

module "b" {
  source = "../m15"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
