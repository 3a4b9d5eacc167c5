# expect-errors: 16:21
# Files beside the template read with file(), templatefile() and fileexists() (relative to
# path.root, as Packer does); a VERSION file that is not there is reported at its file( call.

variable "team" {
  default = "platform"
}

source "amazon-ebs" "app" {
  region          = "eu-west-1"
  source_ami      = "ami-0123456789abcdef0"
  instance_type   = "t3.micro"
  ssh_username    = "ec2-user"
  ami_name        = "app-{{timestamp}}"
  user_data       = file("scripts/user-data.sh")
  ami_description = file("VERSION")
  tags = {
    Motd     = templatefile("${path.root}/scripts/motd.tpl", { team = var.team, disks = ["xvdb"] })
    HasSetup = fileexists("scripts/setup.sh") ? "yes" : "no"
  }
}

build {
  sources = ["source.amazon-ebs.app"]

  provisioner "shell" {
    inline = [file("scripts/setup.sh")]
  }
}
