# expect-errors: 22:16
# Packer's function library in the shapes templates use it: names cut and cleaned with
# substr/trimspace/title/format, tags from zipmap/merge, scripts found with fileset(), a
# deprecation time from timeadd(); a local calling a misspelt function is one error at the
# call, not one more at each of its three uses.

variable "app" {
  default = "  web frontend  "
}

variable "envs" {
  default = ["prod", "dev", "prod", "stage"]
}

locals {
  app        = replace(trimspace(var.app), " ", "-")
  short      = substr(local.app, 0, 3)
  envs       = sort(distinct(var.envs))
  scripts    = fileset(path.root, "scripts/*.sh")
  tags       = zipmap(local.envs, [for e in local.envs : upper(e)])
  deprecate  = timeadd("2025-03-04T05:06:07Z", "720h")
  owner      = lowr("Platform")
}

source "amazon-ebs" "app" {
  region          = "eu-west-1"
  source_ami      = "ami-0123456789abcdef0"
  instance_type   = "t3.micro"
  ssh_username    = "ec2-user"
  ami_name        = format("%s-%s-%03d-{{timestamp}}", local.short, title(element(local.envs, 0)), length(local.scripts))
  ami_description = "${jsonencode(local.envs)} until ${local.deprecate} by ${local.owner}"
  tags = merge(local.tags, {
    Owner   = local.owner
    Scripts = join(",", [for s in local.scripts : basename(s)])
    Id      = uuidv5("dns", "${local.app}.example.com")
  })
}

build {
  sources = ["source.amazon-ebs.app"]

  provisioner "shell" {
    scripts = [for s in local.scripts : "${path.root}/${s}"]
    environment_vars = ["OWNER=${local.owner}"]
  }
}
