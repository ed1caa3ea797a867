export { AlgoManager, type AlgoManagerOptions, type AlgoSpec, type AlgoStatus, type AlgoView } from './algo-manager';
export { allocate, profileVolume, sliceTimes, volumeProfile, vwapWeights, type VolumeProfile } from './schedule';
