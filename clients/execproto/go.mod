module github.com/leaderfault/leaderfault/clients/execproto

go 1.24.0
