package release_test

import (
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/publish"
	"github.com/cdflow/cdflow/workflows"
	"github.com/cdflow/cdflow/workflows/plans"
	"github.com/cdflow/cdflow/workflows/release"
)

// TestPublishesPlaceholders: a merge leaves the shards' products on object
// storage only when a catalog there publishes them and no other block
// reads their bytes.
func TestPublishesPlaceholders(t *testing.T) {
	remote := &publish.STAC{Catalog: "s3://bucket/datasets"}
	stats := &publish.Parquet{Tiles: true, Compression: "zstd"}
	tests := []struct {
		name   string
		blocks []plugins.Publisher
		want   bool
	}{
		{"a catalog on object storage", []plugins.Publisher{remote}, true},
		{"and statistics and a report", []plugins.Publisher{remote, stats, &publish.Report{Path: "report.html"}}, true},
		{"and a catalog on disk", []plugins.Publisher{remote, &publish.STAC{Catalog: "catalog"}}, false},
		{"and folders of files", []plugins.Publisher{remote, &publish.Folders{Path: "3dcd", Format: "png"}}, false},
		{"statistics only: the products come to the merge's folder", []plugins.Publisher{stats}, false},
		{"no publish block", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &workflows.Workflow{}
			for _, b := range tc.blocks {
				w.Publish = append(w.Publish, &workflows.Publish{Impl: b})
			}
			if got := release.PublishesPlaceholders(&plans.Plan{Workflow: w}); got != tc.want {
				t.Errorf("PublishesPlaceholders = %v, want %v", got, tc.want)
			}
		})
	}
}
