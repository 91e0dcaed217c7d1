#!/usr/bin/env node
// Renders the app icon resources/icon.svg to resources/icon.png (512 x 512, what electron-builder
// wants for Linux: it makes the smaller sizes of the desktop entry from it). Run `npm run icon`
// after editing the SVG; the PNG is committed, so packaging does not need this step.
import fs from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { projectRoot } from './electron-native.mjs';

const size = 512;
const svgFile = path.join(projectRoot, 'resources', 'icon.svg');
const pngFile = path.join(projectRoot, 'resources', 'icon.png');

const resvg = new Resvg(fs.readFileSync(svgFile), { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' });
const image = resvg.render();
if (image.width !== size || image.height !== size) throw new Error(`icon rendered at ${image.width}x${image.height}, expected ${size}x${size}`);
fs.writeFileSync(pngFile, image.asPng());
console.log(`wrote ${path.relative(projectRoot, pngFile)} (${size}x${size})`);
