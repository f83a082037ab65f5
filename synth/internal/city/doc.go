// Package city is the model behind the synthetic scene generator: a seeded
// two-epoch city (terrain, streets, lots, buildings, trees, cars, building
// changes, each flight's light) and its rasterization into Go slices — DSM
// heights, orthophoto colours and the truth — on any north-up window.
//
// It knows nothing of files or GDAL; package synth cuts the scene into
// sheets and strips and writes them. Coordinates are local metres: x east,
// y north, origin at the scene's lower-left corner. A pixel's value depends
// only on its centre and a hash of its global index, never on the window
// that holds it, so any tiling of the scene gives the same pixels.
package city
