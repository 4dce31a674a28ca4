module "a" {
  source = "../m24"
}

module "b" {
  source = "../m24"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
