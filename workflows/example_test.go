package workflows_test

import (
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/workflows"

	_ "github.com/cdflow/cdflow/plugins/standard"
)

// Loading a workflow: a file or a directory of .hcl files, with variables
// from the command line, -var-files and the environment.
func ExampleParser_Load() {
	p := workflows.NewParser(nil)
	w, diags := p.Load("testdata/valid/multi", workflows.InputValues{Getenv: os.Getenv})
	if len(diags) > 0 {
		// Diagnostics print in HCL's format, with source snippets.
		wr := hcl.NewDiagnosticTextWriter(os.Stdout, p.Files(), 0, false)
		_ = wr.WriteDiagnostics(diags)
	}
	if w == nil {
		return
	}
	for _, s := range w.Steps {
		fmt.Println(s.Address())
		for _, in := range s.Inputs {
			fmt.Printf("  %s = %s\n", in.Name, in.From)
		}
		for _, o := range s.Outputs {
			fmt.Printf("  writes %s (%s)\n", o.Name, o.Kind)
		}
	}
	// Output:
	// step.difference.dh
	//   before = source.dsm.t0
	//   after = source.dsm.t1
	//   writes dh (elevation_difference)
	//   writes dsm_t0 (dsm)
	//   writes dsm_t1 (dsm)
}
