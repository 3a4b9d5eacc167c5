# Debian 12 (Bookworm): the newest amd64 image the Debian cloud team publishes, updated.
packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

source "amazon-ebs" "debian" {
  region        = var.region
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "debian-12-golden-{{timestamp}}"

  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["136693071363"]
    most_recent = true
  }

  tags = {
    Name = "debian-12-golden"
    OS   = "Debian 12"
  }
}

build {
  sources = ["source.amazon-ebs.debian"]

  provisioner "shell" {
    inline = [
      "sudo apt-get update",
      "sudo DEBIAN_FRONTEND=noninteractive apt-get -y upgrade",
    ]
  }
}
