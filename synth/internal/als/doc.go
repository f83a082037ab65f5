// Package als simulates the airborne laser scanner of a PNOA-LiDAR-like
// survey over one epoch of the world (a surface.Layers): parallel flight
// lines with side overlap, an oscillating mirror sweeping ±HalfAngle across
// track (a zig-zag on the ground, denser at the scan edges), and every pulse
// traced from the aircraft through the heightfield, so walls are hit
// obliquely, tall objects cast scan shadows, tree crowns give multiple
// returns and water gives none. Returns carry sensor noise, a per-strip
// misalignment, gross errors (birds, wires, multipath), an intensity from the
// material's reflectance at 1064 nm, and the labels an automatic classifier
// would give, errors included, next to the true class.
//
// A pulse belongs to the region holding its nominal ground point, where its
// ray meets the survey's reference plane, so regions that tile the scene fire
// every pulse exactly once whatever their sizes; and all of a pulse's
// randomness comes from a hash of (seed, epoch, strip, pulse), so nothing
// depends on how the scene was cut. Memory does not grow with the scene: a
// Survey holds its flight plan only, Scan streams returns to a callback.
package als
