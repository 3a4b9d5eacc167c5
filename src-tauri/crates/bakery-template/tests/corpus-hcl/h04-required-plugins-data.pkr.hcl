# expect-errors: 14:1
# The shape of current Packer docs: a packer block with required_plugins (accepted, nothing to
# install) and the source AMI from a data "amazon-ami" source, which is not read yet.

packer {
  required_plugins {
    amazon = {
      version = ">= 1.2.8"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

data "amazon-ami" "al2023" {
  filters = {
    name = "al2023-ami-2023.*-x86_64"
  }
  owners      = ["amazon"]
  most_recent = true
  region      = "us-east-1"
}

source "amazon-ebs" "web" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "web-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.web"]
}
