package plans

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/workflows"
)

// TestPlanECWSource: an orthophoto delivered as ECW (as the CNIG serves
// PNOA sheets), which Debian's GDAL cannot read, stops the plan with an
// error at the source's files naming the file and the conversion.
func TestPlanECWSource(t *testing.T) {
	dir, src := planCase{}.setup(t)
	ecw := filepath.Join(dir, "ortho_t0", "PNOA_MA_OF_ETRS89_HU30_h25_0372_1.ecw")
	// Junk will do: cdflow recognises ECW by its extension, as GDAL does.
	if err := os.WriteFile(ecw, []byte(strings.Repeat("not an ECW ", 64)), 0o644); err != nil {
		t.Fatal(err)
	}
	src = strings.Replace(src, `"${var.data}/ortho_t0/*.tif"`, `"${var.data}/ortho_t0/*.ecw"`, 1)
	path := filepath.Join(dir, "workflow.hcl")
	writeFile(t, path, src)
	// validate says so already, from the name: before plan opens a file.
	_, diags := workflows.NewParser(nil).Load(path, workflows.InputValues{Vars: []string{"data=" + dir}})
	if !diags.HasErrors() {
		t.Fatalf("validate accepted an ECW source:\n%s", diagText(diags))
	}
	var d *hcl.Diagnostic
	for _, x := range diags {
		if x.Severity == hcl.DiagError {
			d = x
			break
		}
	}
	if d.Summary != "Source in a format this GDAL cannot read" {
		t.Fatalf("error %q, want the unsupported format:\n%s", d.Summary, diagText(diags))
	}
	for _, want := range []string{ecw, "ECW", "gdal_translate -of COG", "PNOA_MA_OF_ETRS89_HU30_h25_0372_1.tif", "-co REVERSIBLE=YES -co QUALITY=100", "gdalinfo --formats"} {
		if !strings.Contains(d.Detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, d.Detail)
		}
	}
	if strings.Contains(d.Detail, "fix or remove the file") {
		t.Errorf("the file is not broken; the detail says to fix it:\n%s", d.Detail)
	}
	if want := lineOf(t, src, `files    = ["${var.data}/ortho_t0/*.ecw"]`); d.Subject == nil || d.Subject.Start.Line != want {
		t.Errorf("error at %v, want line %d", d.Subject, want)
	}
}
