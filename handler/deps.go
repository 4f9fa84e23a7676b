package main

import (
	_ "github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	_ "github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	_ "github.com/MicahParks/keyfunc/v3"
	_ "github.com/golang-jwt/jwt/v5"
)

func main() {}
