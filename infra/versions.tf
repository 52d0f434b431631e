terraform {
  # 1.10: the S3 backend's use_lockfile (docs/aws.md); 1.11: write-only attributes.
  required_version = ">= 1.11.0"

  # Only hashicorp/aws: generated values come from Secrets Manager's GetRandomPassword.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Keep state remote and encrypted: it holds the Redis AUTH token and generated app secrets.
  # Configure at init time: terraform init -backend-config=backend.hcl (see docs/aws.md).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      "managed-by" = var.platform_tag
      "dbre:stack" = var.name
    })
  }
}
