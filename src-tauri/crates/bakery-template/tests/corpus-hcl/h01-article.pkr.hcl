# The article's template in HCL2: one source, one build with an inline shell step.

source "amazon-ebs" "yum-upgrade" {
  region        = "eu-west-1"
  vpc_id        = "vpc-4925e72e"
  subnet_id     = "subnet-4d13d12a"
  source_ami    = "ami-01ccc867"
  instance_type = "t2.micro"
  ssh_username  = "ec2-user"
  ami_name      = "yum-upgrade {{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.yum-upgrade"]

  provisioner "shell" {
    inline = [
      "sleep 30",
      "sudo yum update -y"
    ]
  }
}
