provider "aws" {
  region = "eu-${local.out}"
}

locals {
  a = "${local.b}${local.b}${local.b}${local.b}"
  b = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  c = replace(local.a, "x", local.a)
  out = replace(local.c, "x", local.c)
}

resource "aws_s3_bucket" "docs" {
  bucket = "docs"
}
