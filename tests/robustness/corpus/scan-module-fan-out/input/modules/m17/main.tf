module "a" {
  source = "../m18"
}

module "b" {
  source = "../m18"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
