# Names and tags computed in locals: lookup with a default, coalesce, split/join, a local block,
# two builds baking the same source, each adding its own AMI name in its source block.

variable "env" {
  default = "dev"
}

variable "owner" {
  default = ""
}

locals {
  sizes         = { dev = "t3.micro", prod = "m5.large" }
  instance_type = lookup(local.sizes, var.env, "t3.small")
  owner         = coalesce(var.owner, "platform-team")
  version_parts = split(".", "3.12.4")
}

local "major" {
  expression = join("-", [local.version_parts[0], local.version_parts[1]])
}

source "amazon-ebs" "base" {
  region        = "eu-west-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = local.instance_type
  ssh_username  = "ec2-user"
  tags = {
    Owner = local.owner
    Env   = upper(var.env)
  }
}

build {
  name = "plain"

  source "source.amazon-ebs.base" {
    ami_name = "base-${var.env}-${local.major}-{{timestamp}}"
  }
}

build {
  name = "hardened"

  source "source.amazon-ebs.base" {
    name     = "hardened"
    ami_name = "hardened-${var.env}-${local.major}-{{timestamp}}"
  }

  provisioner "shell" {
    inline = ["echo hardening ${source.name}"]
  }
}
