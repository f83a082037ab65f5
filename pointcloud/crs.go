package pointcloud

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// CRS is the coordinate reference system declared by a file's VLRs.
// WKT is set when an OGC WKT record (LASF_Projection 2112) exists; else
// EPSG (and VerticalEPSG when present) come from the GeoTIFF keys
// (LASF_Projection 34735).
type CRS struct {
	WKT string
	// EPSG is the projected CRS code (ProjectedCSTypeGeoKey 3072) or,
	// without one, the geographic CRS code (GeographicTypeGeoKey 2048).
	EPSG int
	// VerticalEPSG is the VerticalCSTypeGeoKey (4096) code, 0 if absent.
	VerticalEPSG int
}

// String renders the CRS for messages: "EPSG:2992+5703" or the WKT.
func (c CRS) String() string {
	if c.WKT != "" {
		return c.WKT
	}
	s := fmt.Sprintf("EPSG:%d", c.EPSG)
	if c.VerticalEPSG != 0 {
		s += fmt.Sprintf("+%d", c.VerticalEPSG)
	}
	return s
}

const (
	geoKeyGeographic = 2048
	geoKeyProjected  = 3072
	geoKeyVertical   = 4096
	geoUserDefined   = 32767
)

// crsFromVLRs extracts the CRS; a file without one yields ErrNoCRS.
func crsFromVLRs(vlrs []VLR) (CRS, error) {
	var keys []byte
	for _, v := range vlrs {
		if v.UserID != "LASF_Projection" {
			continue
		}
		switch v.RecordID {
		case 2112:
			if wkt := strings.TrimSpace(strings.TrimRight(string(v.Data), "\x00")); wkt != "" {
				return CRS{WKT: wkt}, nil
			}
		case 34735:
			if keys == nil {
				keys = v.Data
			}
		}
	}
	if keys == nil {
		return CRS{}, ErrNoCRS
	}
	return crsFromGeoKeys(keys)
}

// crsFromGeoKeys reads the GeoKeyDirectoryTag: a header of four uint16
// (version, revision, minor, count) then count entries of four uint16
// (key, tag location, count, value). Only keys stored inline (location 0)
// can hold EPSG codes.
func crsFromGeoKeys(b []byte) (CRS, error) {
	if len(b) < 8 {
		return CRS{}, fmt.Errorf("%w: GeoKeyDirectory record has %d bytes", ErrNoCRS, len(b))
	}
	le := binary.LittleEndian
	n := int(le.Uint16(b[6:]))
	var c CRS
	geographic := 0
	for i := 0; i < n; i++ {
		off := 8 + 8*i
		if off+8 > len(b) {
			break
		}
		key, loc, val := le.Uint16(b[off:]), le.Uint16(b[off+2:]), int(le.Uint16(b[off+6:]))
		if loc != 0 || val == 0 || val == geoUserDefined {
			continue
		}
		switch key {
		case geoKeyProjected:
			c.EPSG = val
		case geoKeyGeographic:
			geographic = val
		case geoKeyVertical:
			c.VerticalEPSG = val
		}
	}
	if c.EPSG == 0 {
		c.EPSG = geographic
	}
	if c.EPSG == 0 {
		return c, fmt.Errorf("%w: GeoTIFF keys name no EPSG code", ErrNoCRS)
	}
	return c, nil
}
