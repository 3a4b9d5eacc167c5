# Upload then install on two distributions, with a per-source override of the step's
# execute_command (HCL2 override by TYPE.NAME), environment variables and a reboot.

source "amazon-ebs" "al2" {
  region        = "us-west-2"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "agent-al2-{{timestamp}}"
}

source "amazon-ebs" "ubuntu" {
  region        = "us-west-2"
  source_ami    = "ami-0fedcba9876543210"
  instance_type = "t3.micro"
  ssh_username  = "ubuntu"
  ami_name      = "agent-ubuntu-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.al2", "source.amazon-ebs.ubuntu"]

  provisioner "file" {
    source      = "${path.root}/scripts/setup.sh"
    destination = "/tmp/setup.sh"
  }

  provisioner "shell" {
    execute_command  = "chmod +x {{ .Path }}; {{ .Vars }} sudo -E {{ .Path }}"
    environment_vars = ["MODE=agent"]
    inline           = ["/tmp/setup.sh"]
    override = {
      "amazon-ebs.ubuntu" = {
        execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
      }
    }
  }

  provisioner "shell" {
    expect_disconnect = true
    inline            = ["sudo reboot"]
  }

  provisioner "shell" {
    pause_before = "30s"
    inline       = ["uptime"]
  }
}
