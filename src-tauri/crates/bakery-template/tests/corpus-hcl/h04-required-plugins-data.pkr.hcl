# The shape of current Packer docs: a packer block with required_plugins (accepted, nothing to
# install) and the source AMI from a data "amazon-ami" source (read as a source_ami_filter).

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
  source_ami    = data.amazon-ami.al2023.id
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "web-{{timestamp}}"
  tags = {
    Base = data.amazon-ami.al2023.name
  }
}

build {
  sources = ["source.amazon-ebs.web"]
}
