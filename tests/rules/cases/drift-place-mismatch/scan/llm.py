"""Bedrock called in us-east-1 with a global profile; Vertex AI where declared."""

import boto3
import vertexai

REGION = "us-east-1"
bedrock = boto3.client("bedrock-runtime", region_name=REGION)
bedrock.converse(modelId="global.anthropic.claude-sonnet-4-20250514-v1:0", messages=[])
vertexai.init(project="p", location="europe-west4")
