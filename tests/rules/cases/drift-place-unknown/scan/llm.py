"""The Bedrock region comes from the environment at run time; Vertex AI's is written."""

import os

import boto3
import vertexai

bedrock = boto3.client("bedrock-runtime", region_name=os.environ["BEDROCK_REGION"])
vertexai.init(project="p", location="europe-west4")
