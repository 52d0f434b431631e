variable "name" {
  type = string
}

variable "apps" {
  description = "One repository per app."
  type        = list(string)
}

resource "aws_ecr_repository" "app" {
  for_each             = toset(var.apps)
  name                 = "${var.name}/${each.key}"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  for_each   = aws_ecr_repository.app
  repository = each.value.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 30 most recent images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
      action       = { type = "expire" }
    }]
  })
}

output "repository_urls" {
  value = { for app, repo in aws_ecr_repository.app : app => repo.repository_url }
}

output "repository_arns" {
  value = { for app, repo in aws_ecr_repository.app : app => repo.arn }
}
