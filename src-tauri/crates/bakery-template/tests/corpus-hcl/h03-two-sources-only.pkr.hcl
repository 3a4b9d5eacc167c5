# Two sources in one build, a step limited to one of them with only = ["TYPE.NAME"],
# the source's name in a step through source.name.

source "amazon-ebs" "al2023" {
  region        = "us-east-2"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "nginx-al2023-{{timestamp}}"
}

source "amazon-ebs" "debian" {
  region        = "us-east-2"
  source_ami    = "ami-0fedcba9876543210"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "nginx-debian-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.al2023", "source.amazon-ebs.debian"]

  provisioner "shell" {
    only   = ["amazon-ebs.al2023"]
    inline = ["sudo dnf install -y nginx"]
  }

  provisioner "shell" {
    except = ["amazon-ebs.al2023"]
    inline = ["sudo apt-get install -y nginx"]
  }

  provisioner "shell" {
    inline = ["echo built from ${source.name}"]
  }
}
