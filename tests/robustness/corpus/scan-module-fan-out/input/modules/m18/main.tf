module "a" {
  source = "../m19"
}

module "b" {
  source = "../m19"
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
}
