# Variables with types and a required one, locals built from functions, tags merged from maps,
# a var file (h02-variables-locals.pkrvars.hcl) giving the required value.

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "app_version" {
  type = string
}

variable "extra_tags" {
  type    = map(string)
  default = { Team = "platform" }
}

variable "volume_size" {
  type    = number
  default = 16
}

locals {
  stamp     = formatdate("YYYYMMDDhhmmss", timestamp())
  base_tags = { Name = "app-${var.app_version}", Version = var.app_version }
}

source "amazon-ebs" "app" {
  region        = var.region
  source_ami_filter {
    filters = {
      name                = "al2023-ami-2023.*-x86_64"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }
  instance_type = "t3.small"
  ssh_username  = "ec2-user"
  ami_name      = "app-${var.app_version}-${local.stamp}"
  tags          = merge(local.base_tags, var.extra_tags)
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.volume_size
    volume_type           = "gp2"
    delete_on_termination = true
  }
}

build {
  sources = ["source.amazon-ebs.app"]

  provisioner "shell" {
    environment_vars = ["APP_VERSION=${var.app_version}"]
    script           = "${path.root}/scripts/setup.sh"
  }

  post-processor "manifest" {
    output     = "manifest.json"
    strip_path = true
  }
}
