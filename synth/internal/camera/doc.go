// Package camera simulates the aerial survey behind a PNOA orthophoto: a
// large-format frame camera flown in strips over the scene, and the
// production of a standard (not true) orthophoto from its photos.
//
// A Flight plans the projection centres (strips, forward and side overlap,
// GNSS-like jitter) and draws each photo's radiometry (exposure, white
// balance, residual vignetting). Render fills an output window: every output
// pixel is the terrain point (x, y, Ground) seen from the photo whose nadir is
// nearest (Voronoi seamlines); the view ray from that projection centre is
// traced through the surface.Layers heightfield, so buildings lean away from
// the nadir, show the façades that face it and hide the ground behind them.
// The surface hit is coloured by its material and texture, shaded by its
// normal and the sun of the flight's date and time, shadowed by solids
// (a horizon per Layers cell, swept once per Render along the sun's
// direction) and porous tree crowns (marched towards the sun along the same
// lines where the crowns' horizon says they may shade), and passed through
// the photo's radiometry (hotspot, water glint, haze, noise).
//
// Every output pixel depends only on its global position, the seed and the
// flight (epoch): textures and noise come from hashes of global cell and
// pixel indices, and all ray geometry is computed in global cell
// coordinates, so rendering a window whole or in pieces gives the same bytes
// as long as the Layers reach Halo beyond each piece.
package camera
