# expect-errors: 10:3 11:17 17:15
# Hand-edited mistakes in HCL2: a misspelt option, an availability zone as the region, and a
# provisioner type that does not exist; all reported in one run.

source "amazon-ebs" "web" {
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "web-{{timestamp}}"
  regoin        = "us-east-1"
  region      = "us-east-1a"
}

build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shel" {
    inline = ["echo hi"]
  }
}
