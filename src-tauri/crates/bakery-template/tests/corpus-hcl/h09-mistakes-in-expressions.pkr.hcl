# expect-errors: 17:30 20:3 32:1
# Mistakes inside expressions, each reported where it is written: an unknown variable inside a
# string's interpolation, a dynamic block without content, a data source this version does
# not read (one error at its block, none at its use). Field names are HCL2's (source.amazon-ebs.web.x).

variable "env" {
  default = "dev"
}

source "amazon-ebs" "web" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "web-{{timestamp}}"
  tags = {
    Name = "web-${var.env}-${var.enviroment}"
  }

  dynamic "launch_block_device_mappings" {
  }
}

build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo ${data.http.version.body}"]
  }
}

data "http" "version" {
  url = "https://example.com/version"
}
