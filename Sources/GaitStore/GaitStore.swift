import GaitCore
