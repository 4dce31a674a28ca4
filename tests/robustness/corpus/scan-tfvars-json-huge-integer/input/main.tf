provider "aws" {
  region = "eu-${local.out}"
}

variable "n" {}

locals {
  out = var.n
}

resource "aws_s3_bucket" "docs" {
  bucket = "docs"
}
