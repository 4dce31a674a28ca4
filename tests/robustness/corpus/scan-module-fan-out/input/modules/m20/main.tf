module "a" {
  source = "../m21"
}

module "b" {
  source = "../m21"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
