module "a" {
  source = "../m17"
}

module "b" {
  source = "../m17"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
