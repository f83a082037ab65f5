package plugins

import "fmt"

// STAC asset roles cdflow uses.
const (
	RoleData      = "data"
	RoleLabels    = "labels"
	RoleThumbnail = "thumbnail"
	RoleOverview  = "overview"
	// RoleVisual marks the asset a map shows by default (STAC Browser
	// picks it for the item map): the later orthophoto in true colour.
	RoleVisual = "visual"
)

// DescribeProduct is how a product is described in a catalog when its step
// does not say (AssetDescriber): by its kind.
func DescribeProduct(p Product) (title string, roles []string) {
	switch p.Kind {
	case Orthophoto:
		return fmt.Sprintf("Orthophoto %s at %g m", p.Name, p.Resolution), []string{RoleData}
	case DSM:
		return fmt.Sprintf("DSM %s at %g m", p.Name, p.Resolution), []string{RoleData}
	case ElevationDifference:
		return fmt.Sprintf("ΔH = H_t1 − H_t0 at %g m", p.Resolution), []string{RoleData}
	case ElevationChange:
		return fmt.Sprintf("3D change map: ΔH after threshold and noise removal, at %g m", p.Resolution), []string{RoleLabels}
	case ChangeMask:
		return fmt.Sprintf("2D change map at %g m", p.Resolution), []string{RoleLabels}
	}
	return fmt.Sprintf("%s (%s) at %g m", p.Name, p.Kind, p.Resolution), []string{RoleData}
}

// IsVisual says whether p is the release's true-colour picture: the
// primary later orthophoto with three bands or more.
func IsVisual(p Product, products []Product) bool {
	v, ok := Primary(products, Orthophoto, T1)
	return ok && v.Name == p.Name && (v.Bands == 0 || v.Bands >= 3)
}

// Primary returns the first product of a kind and epoch in execution
// order: the one the release's statistics, previews and training layout
// use when a workflow makes several.
func Primary(products []Product, kind Kind, epoch Epoch) (Product, bool) {
	for _, p := range products {
		if p.Kind == kind && p.Epoch == epoch {
			return p, true
		}
	}
	return Product{}, false
}

// PrimaryAny is Primary whatever the epoch.
func PrimaryAny(products []Product, kind Kind) (Product, bool) {
	for _, p := range products {
		if p.Kind == kind {
			return p, true
		}
	}
	return Product{}, false
}

// ReleaseProducts are the products a release holds when its publish block
// names none: all of them but ΔH where an elevation change map made from it
// says the same after thresholding and noise removal.
func ReleaseProducts(products []Product) []string {
	_, hasChange := PrimaryAny(products, ElevationChange)
	var out []string
	for _, p := range products {
		if p.Kind == ElevationDifference && hasChange {
			continue
		}
		out = append(out, p.Name)
	}
	return out
}

// PlanPreviews are the quicklooks every tile gets, from its products: the
// later orthophoto in colour (or, without one, the later DSM in grey) as
// the thumbnail, and the 3D change map in a diverging ramp.
func PlanPreviews(products []Product) []Preview {
	var out []Preview
	if p, ok := Primary(products, Orthophoto, T1); ok && (p.Bands == 0 || p.Bands >= 3) {
		// A photograph, with nothing to make transparent: JPEG, about a
		// sixth of a PNG's size and several times faster to write.
		out = append(out, Preview{Name: PreviewThumbnail, Ext: ".jpg", MediaType: MediaJPEG, Of: p,
			Title: "Quicklook of the later orthophoto", Roles: []string{RoleThumbnail}})
	} else if p, ok := Primary(products, DSM, T1); ok {
		out = append(out, Preview{Name: PreviewThumbnail, Ext: ".png", MediaType: MediaPNG, Of: p,
			Title: "Quicklook of the later DSM: grey from the tile's lowest (black) to highest (white) elevation; nodata transparent",
			Roles: []string{RoleThumbnail}})
	}
	if p, ok := PrimaryAny(products, ElevationChange); ok {
		out = append(out, Preview{Name: p.Name + "_preview", Ext: ".png", MediaType: MediaPNG, Of: p,
			Title: "ΔH preview: −20 m dark blue, 0 white, +20 m dark red; nodata transparent",
			Roles: []string{RoleOverview}})
	}
	return out
}

// PreviewThumbnail is the thumbnail's asset key.
const PreviewThumbnail = "thumbnail"
