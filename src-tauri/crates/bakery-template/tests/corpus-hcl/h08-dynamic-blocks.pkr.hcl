# Volumes and names computed from variables: dynamic blocks over a map and a list, a for
# expression, regex_replace/regex, can/try, legacy_isotime and build.ID in a step.

variable "data_volumes" {
  default = {
    "/dev/xvdb" = 50
    "/dev/xvdc" = 100
  }
}

variable "hidden_devices" {
  default = ["/dev/sdf", "/dev/sdg"]
}

variable "branch" {
  default = "Feature/Login Page"
}

variable "base_ami" {
  default = "ami-0123456789abcdef0"
  validation {
    condition     = can(regex("^ami-[0-9a-f]{17}$", var.base_ami))
    error_message = "An AMI id: ami- and 17 hexadecimal digits."
  }
}

locals {
  branch_slug = lower(regex_replace(var.branch, "[^a-zA-Z0-9-]", "-"))
  teams       = [for t in ["web", "ops"] : upper(t)]
  owner       = try(var.owner_override, "platform")
  day         = legacy_isotime("2006-01-02")
}

source "amazon-ebs" "app" {
  region        = "eu-west-1"
  source_ami    = var.base_ami
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "app-${local.branch_slug}-${local.day}-{{timestamp}}"
  tags = {
    Teams = join(",", local.teams)
    Owner = local.owner
  }

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 8
    delete_on_termination = true
  }

  dynamic "launch_block_device_mappings" {
    for_each = var.data_volumes
    iterator = volume
    content {
      device_name = volume.key
      volume_size = volume.value
      volume_type = "gp3"
    }
  }

  dynamic "ami_block_device_mappings" {
    for_each = var.hidden_devices
    content {
      device_name = ami_block_device_mappings.value
      no_device   = true
    }
  }
}

build {
  sources = ["source.amazon-ebs.app"]

  provisioner "shell" {
    inline = ["echo built on ${build.ID} for ${source.name}"]
  }
}
