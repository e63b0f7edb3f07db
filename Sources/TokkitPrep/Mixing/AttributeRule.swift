import Foundation
import TokkitCorpus
import TokkitIO
