//go:build !linux

package main

// trimCodePages does nothing outside Linux; see codepages_linux.go.
func trimCodePages() (int64, error) { return 0, nil }
