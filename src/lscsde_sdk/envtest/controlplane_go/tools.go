//go:build tools

// Package tools pins the two commands lscsde_sdk.envtest builds, so that
// `go mod tidy` keeps their whole dependency graph in go.mod and go.sum.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
