provider "aws" {
  region = "eu-central-1"
}

module "m" {
  source = "./modules/m1"
}
