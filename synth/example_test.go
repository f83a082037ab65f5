package synth_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/cdflow/cdflow/synth"
)

func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "synth-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	defects, err := synth.ParseDefects("missing,bias=0.3")
	if err != nil {
		log.Fatal(err)
	}
	sc, err := synth.Generate(context.Background(), synth.Options{
		Out:      filepath.Join(dir, "scene"),
		ExtentKm: [2]float64{0.4, 0.4},
		SheetKm:  0.2,
		Seed:     1,
		Defects:  defects,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sheets:", sc.Counts.Sheets)
	fmt.Println("t1 DSMs:", len(sc.Files.DSMT1))
	fmt.Println("missing:", sc.Defects.Missing.Sheet)
	fmt.Printf("changed: %.1f %%\n", 100*sc.Counts.ChangedShare)
	// Output:
	// sheets: 4
	// t1 DSMs: 3
	// missing: E355200_N4610000
	// changed: 6.9 %
}
