//go:build tools

// Module weed pins the SeaweedFS server (Apache-2.0) the object-storage
// tests run against. It is its own module so that cdflow does not depend
// on SeaweedFS: `go build -o bin/weed github.com/seaweedfs/seaweedfs/weed`
// from this folder (make weed) builds the server; `go test ./...` from the
// repository root never enters this folder. The replace directive in go.mod
// is SeaweedFS's own, which is why `go install pkg@version` cannot build it.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
