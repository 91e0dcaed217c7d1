// One component per data kind and per model kind. A new kind is one component and one line
// here (and, for nicer starting values, a case in dataDefaults / modelDefaults of
// lib/config-form.ts); a kind without a component gets GenericKind, its fields read from the
// config schema.
import type { Component } from 'svelte';
import ArraysData from './ArraysData.svelte';
import Cifar10Data from './Cifar10Data.svelte';
import IdxData from './IdxData.svelte';
import MlpModel from './MlpModel.svelte';
import ResnetModel from './ResnetModel.svelte';
import SyntheticData from './SyntheticData.svelte';

export const dataKindComponents: Record<string, Component> = {
  idx: IdxData,
  synthetic: SyntheticData,
  cifar10: Cifar10Data,
  arrays: ArraysData,
};

export const modelKindComponents: Record<string, Component> = {
  mlp: MlpModel,
  resnet: ResnetModel,
};
